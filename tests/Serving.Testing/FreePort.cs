using System.Net;
using System.Net.Sockets;

namespace Serving.Testing;

/// <summary>A loopback port free right now, for processes that must be told their port up front.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
