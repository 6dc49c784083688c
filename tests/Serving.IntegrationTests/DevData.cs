namespace Serving.IntegrationTests;

/// <summary>The shared labelled dev sets (../shared/data beside the repository); never copied into the project.</summary>
internal static class DevData
{
    public static string Root
    {
        get
        {
            var root = Path.GetFullPath(Path.Combine(ServingCli.RepositoryRoot(), "..", "shared", "data"));
            return Directory.Exists(root)
                ? root
                : throw new DirectoryNotFoundException($"Dev data folder '{root}' is missing: these tests need the shared data sets (../shared/data).");
        }
    }

    public static string FaceImages => Path.Combine(Root, "faces", "images");

    public static string FacePairs => Path.Combine(Root, "faces", "pairs.csv");

    public static string PersonImages => Path.Combine(Root, "segmentation", "person", "images");

    public static string FaceModels => Path.Combine(Serving.OnnxRuntime.OrtLibraryLocator.CacheDirectory, "models", "faceplugin-face-recognition-js-0.0.1");
}
