using System.Reflection;

namespace Serving.IntegrationTests.Infrastructure;

/// <summary>The <c>serving</c> executable these tests start: the solution build of src/Serving.Cli in this test build's configuration.</summary>
internal static class TestCli
{
    public static string Path { get; } = ServingCli.BuildOutput(
        typeof(TestCli).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release");
}
