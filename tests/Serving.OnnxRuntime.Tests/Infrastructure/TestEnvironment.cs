using System.Collections.Concurrent;

namespace Serving.OnnxRuntime.Tests.Infrastructure;

/// <summary>
/// The one ORT environment of the test process (ORT allows one per process), created before any test
/// touches a session, with a logger that records every message so tests can assert on ORT's logging.
/// </summary>
internal static class TestEnvironment
{
    /// <summary>Every ORT log message received so far.</summary>
    public static ConcurrentQueue<(OrtLogLevel Level, string Category, string Message)> Messages { get; } = new();

    private static readonly Lazy<OrtEnvironment> Shared = new(() => OrtEnvironment.Initialize(new OrtEnvironmentOptions
    {
        LogLevel = OrtLogLevel.Warning,
        LogId = "tests",
        Logger = (level, category, message) => Messages.Enqueue((level, category, message)),
    }));

    public static OrtEnvironment Environment => Shared.Value;

    public static string ModelDirectory => Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "faceplugin-face-recognition-js-0.0.1");

    /// <summary>Path of a real face model; fails (never skips) with the set-up command when it is missing.</summary>
    public static string Model(string fileName)
    {
        _ = Environment;
        string path = Path.Combine(ModelDirectory, fileName);
        Assert.True(File.Exists(path), $"Model '{path}' is missing: run ./test.sh or scripts/setup.sh runtime to install the face models.");
        return path;
    }

    public static InferenceSession CreateSession(string fileName, SessionOptions? options = null) =>
        InferenceSession.Create(Model(fileName), options ?? new SessionOptions { IntraOpThreads = 1 });

    public static InferenceSession CreateSession(byte[] model, SessionOptions? options = null)
    {
        _ = Environment;
        return InferenceSession.Create(model, options ?? new SessionOptions { IntraOpThreads = 1 });
    }

    /// <summary>Seeded input in the face models' value range ((x-127)/128 of pixels, so [-1, 1]).</summary>
    public static float[] RandomInput(int seed, int length)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return data;
    }
}
