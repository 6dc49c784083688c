namespace Serving.OnnxRuntime;

/// <summary>Finds <c>libonnxruntime.so.1</c>: an explicit path, else <c>SERVING_ORT_LIB</c>, else the set-up cache.</summary>
/// <remarks>
/// An explicit path (from configuration or a command-line option) wins because it is the most specific
/// choice; the environment variable overrides the default for a whole machine or container; the cache is
/// where <c>scripts/setup.sh runtime</c> puts the library. A configured path that does not exist is an
/// error, never silently replaced by a fallback.
/// </remarks>
public static class OrtLibraryLocator
{
    /// <summary>The ONNX Runtime version the set-up script installs.</summary>
    public const string ExpectedVersion = "1.30.0";

    /// <summary>Environment variable holding the full path of the library.</summary>
    public const string EnvironmentVariable = "SERVING_ORT_LIB";

    internal const string FixHint =
        "Run ./serving (or scripts/setup.sh runtime) to install ONNX Runtime " + ExpectedVersion +
        " into the set-up cache, or set " + EnvironmentVariable + " to the full path of libonnxruntime.so.1.";

    /// <summary>The set-up cache folder: <c>$SERVING_CACHE</c>, else <c>${XDG_CACHE_HOME:-$HOME/.cache}/serving</c>.</summary>
    public static string CacheDirectory
    {
        get
        {
            string? cache = Environment.GetEnvironmentVariable("SERVING_CACHE");
            if (!string.IsNullOrEmpty(cache))
            {
                return cache;
            }

            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseDir = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "serving");
        }
    }

    /// <summary>Where <c>scripts/setup.sh runtime</c> installs the library.</summary>
    public static string CachedLibraryPath =>
        Path.Combine(CacheDirectory, "onnxruntime-" + ExpectedVersion, "libonnxruntime.so.1");

    /// <summary>Resolves the library path; throws <see cref="OrtLibraryNotFoundException"/> saying how to fix a miss.</summary>
    /// <param name="explicitPath">A path given by the host (configuration, option); null or empty to skip.</param>
    public static string Resolve(string? explicitPath = null)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath)
                ? Path.GetFullPath(explicitPath)
                : throw new OrtLibraryNotFoundException(
                    $"ONNX Runtime library not found at the configured path '{explicitPath}'. " + FixHint);
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new OrtLibraryNotFoundException(
                    $"ONNX Runtime library not found at {EnvironmentVariable}='{fromEnvironment}'. " + FixHint);
        }

        string cached = CachedLibraryPath;
        return File.Exists(cached)
            ? cached
            : throw new OrtLibraryNotFoundException(
                $"ONNX Runtime library not found: no explicit path, {EnvironmentVariable} is not set, and the set-up cache has no '{cached}'. " + FixHint);
    }
}
