namespace Serving.OnnxRuntime.Tests;

public sealed class LibraryLocatorTests
{
    [Fact]
    public void Resolve_ExplicitPathMissing_SaysHowToFix()
    {
        var e = Assert.Throws<OrtLibraryNotFoundException>(() => OrtLibraryLocator.Resolve("/nonexistent/libonnxruntime.so.1"));
        Assert.Contains("/nonexistent/libonnxruntime.so.1", e.Message);
        Assert.Contains("scripts/setup.sh runtime", e.Message);
        Assert.Contains(OrtLibraryLocator.EnvironmentVariable, e.Message);
    }

    [Fact]
    public void Resolve_ExplicitPathPresent_WinsOverCache()
    {
        string copy = Path.Combine(Path.GetTempPath(), $"ort-locator-{Environment.ProcessId}.so");
        File.WriteAllBytes(copy, [0]);
        try
        {
            Assert.Equal(copy, OrtLibraryLocator.Resolve(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void CachedLibraryPath_FollowsSetupScriptLayout()
    {
        Assert.EndsWith(Path.Combine("onnxruntime-1.30.0", "libonnxruntime.so.1"), OrtLibraryLocator.CachedLibraryPath);
        Assert.StartsWith(OrtLibraryLocator.CacheDirectory, OrtLibraryLocator.CachedLibraryPath);
    }
}
