namespace Serving.LoadTest;

/// <summary>A load test could not start: bad options, missing images, an unreadable trace.</summary>
public sealed class LoadTestException(string message, Exception? inner = null) : Exception(message, inner);
