namespace Serving.Models.Tests;

/// <summary>Locates the shared labelled dev sets and the set-up cache's face models for tests.</summary>
/// <remarks>
/// The data live beside the repository (<c>../shared/data</c> from the repository root) and are never copied
/// into it. A test that needs them and does not find them fails with a message saying where it looked, so a
/// missing data set can never pass silently.
/// </remarks>
internal static class DevData
{
    /// <summary>The faces dev set folder (contains <c>images/</c> and <c>pairs.csv</c>).</summary>
    public static string FacesDirectory => Require(Path.Combine(SharedDataDirectory, "faces"));

    /// <summary>The faces dev set's images.</summary>
    public static string FaceImagesDirectory => Require(Path.Combine(FacesDirectory, "images"));

    /// <summary>The faces dev set's labelled pairs.</summary>
    public static string FacePairsPath => RequireFile(Path.Combine(FacesDirectory, "pairs.csv"));

    /// <summary>The bytes of one dev face image.</summary>
    public static byte[] FaceImage(string name) => File.ReadAllBytes(RequireFile(Path.Combine(FaceImagesDirectory, name)));

    /// <summary>The face models installed by <c>scripts/setup.sh tests</c>.</summary>
    public static string FaceModelsDirectory => Require(Path.Combine(
        Serving.OnnxRuntime.OrtLibraryLocator.CacheDirectory, "models", "faceplugin-face-recognition-js-0.0.1"));

    private static string SharedDataDirectory
    {
        get
        {
            // Walk up from the test binaries to the repository root (the folder holding Serving.sln).
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Serving.sln")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                }
            }

            throw new InvalidOperationException($"Repository root (Serving.sln) not found above {AppContext.BaseDirectory}.");
        }
    }

    private static string Require(string directory) =>
        Directory.Exists(directory)
            ? directory
            : throw new DirectoryNotFoundException($"Dev data folder '{directory}' is missing: this test needs the shared data sets (../shared/data) or the set-up cache (scripts/setup.sh tests).");

    private static string RequireFile(string path) =>
        File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Dev data file '{path}' is missing: this test needs the shared data sets (../shared/data).", path);
}
