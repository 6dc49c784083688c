using Serving.OnnxRuntime;

namespace Serving.Models.Tests;

/// <summary>
/// Where the tests find what the set-up fetched (the cache) and the shared dev sets
/// (<c>../shared/data</c> beside the checkout). Missing assets fail the test with the fix,
/// so a machine without them can never report a green quality check.
/// </summary>
internal static class TestAssets
{
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Serving.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Serving.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The selfie segmentation TF.js model.json fetched by <c>scripts/setup.sh</c>.</summary>
    public static string SelfieModelJson
    {
        get
        {
            var path = Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "human-models-3.0.4", "selfie.json");
            Assert.True(File.Exists(path), $"the selfie model is missing at {path}: run scripts/setup.sh tests");
            return path;
        }
    }

    /// <summary>A folder of the shared dev data (e.g. "segmentation/person").</summary>
    public static string DevData(string relative)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", relative));
        Assert.True(Directory.Exists(path), $"the dev set {relative} is missing: expected it at {path} (../shared/data beside the checkout)");
        return path;
    }
}
