namespace Serving.Telemetry.Internal;

/// <summary>
/// Numbers the collections, so observable series not reported by the latest one can be left out.
/// Written only by the collector under its scrape lock; read by observable callbacks it triggers.
/// </summary>
internal sealed class ScrapeGeneration
{
    private long _current;

    public long Current => Volatile.Read(ref _current);

    public long Advance() => Interlocked.Increment(ref _current);
}
