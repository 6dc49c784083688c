using Microsoft.AspNetCore.Builder;

namespace Serving.Cli.Commands;

/// <summary>The web host builder of <c>serving router</c> and <c>serving worker</c>.</summary>
internal static class ServerHost
{
    /// <summary>
    /// A slim ASP.NET Core builder rooted at the executable's folder, with no configuration file
    /// watching. The servers read no appsettings.json; by default the host would still watch its
    /// content root (the working directory) for one, and on Linux that watch is recursive: started
    /// from <c>/</c> or a home folder it walks the whole tree adding an inotify watch per folder (tens of
    /// thousands, seconds of CPU, and a startup failure where the inotify limit is low).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder() => WebApplication.CreateSlimBuilder(new WebApplicationOptions
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    });
}
