using Microsoft.AspNetCore.Builder;

namespace Serving.Grpc;

/// <summary>The web host builder for a gRPC server process (<c>serving router</c>, <c>serving worker</c>, the benchmarks' in-process servers).</summary>
public static class GrpcServerHost
{
    /// <summary>
    /// A slim ASP.NET Core builder rooted at the executable's folder, with no configuration file
    /// watching. Our servers read no appsettings.json; by default the host would still watch its
    /// content root (the working directory) for one, and on Linux that watch is recursive: started
    /// from <c>/</c> or a home folder it walks the whole tree adding an inotify watch per folder (tens of
    /// thousands, seconds of CPU, and a start-up failure where the inotify limit is low).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder() => WebApplication.CreateSlimBuilder(new WebApplicationOptions
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    });
}
