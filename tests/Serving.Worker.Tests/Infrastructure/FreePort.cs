using System.Net;
using System.Net.Sockets;

namespace Serving.Worker.Tests.Infrastructure;

/// <summary>A loopback port free right now, for processes that must be told their port up front.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
