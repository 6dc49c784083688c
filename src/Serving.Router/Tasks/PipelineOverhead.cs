using System.Collections.Concurrent;

namespace Serving.Router.Tasks;

/// <summary>
/// Per task, the measured time a request spends outside the selected variant's model: image
/// decoding and pre/post-processing on the router, and the pipeline's other models (a face
/// embedder's detector and landmarks). Selection plans the variant with what is left of the budget.
/// </summary>
/// <remarks>
/// A window of the last <see cref="Capacity"/> successful requests per task (total time minus the
/// selected model's longest call); the estimate is the window's value at the SLO's percentile
/// (nearest rank), zero until <see cref="MinimumSamples"/> were seen, so a fresh router is not
/// pessimistic on guesses. Thread-safe: one lock per task window, held for a copy and a sort.
/// </remarks>
internal sealed class PipelineOverhead
{
    public const int Capacity = 256;
    public const int MinimumSamples = 8;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Records one request of <paramref name="task"/>.</summary>
    public void Record(string task, TimeSpan total, TimeSpan selectedModel)
    {
        var overhead = total - selectedModel;
        _windows.GetOrAdd(task, _ => new Window()).Add(overhead < TimeSpan.Zero ? TimeSpan.Zero : overhead);
    }

    /// <summary>The overhead of <paramref name="task"/> at <paramref name="percentile"/> (in (0, 1)); zero with too few samples.</summary>
    public TimeSpan Estimate(string task, double percentile) =>
        _windows.TryGetValue(task, out var window) ? window.Percentile(percentile) : TimeSpan.Zero;

    private sealed class Window
    {
        private readonly Lock _lock = new();
        private readonly TimeSpan[] _samples = new TimeSpan[Capacity];
        private int _next;
        private int _count;

        public void Add(TimeSpan sample)
        {
            lock (_lock)
            {
                _samples[_next] = sample;
                _next = (_next + 1) % Capacity;
                _count = Math.Min(_count + 1, Capacity);
            }
        }

        public TimeSpan Percentile(double percentile)
        {
            TimeSpan[] sorted;
            lock (_lock)
            {
                if (_count < MinimumSamples)
                {
                    return TimeSpan.Zero;
                }

                sorted = _samples.AsSpan(0, _count).ToArray();
            }

            Array.Sort(sorted);
            var rank = (int)Math.Ceiling(percentile * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }
}
