using System.Globalization;

namespace Serving.LoadTest.Workload;

/// <summary>Parses one name of a mix.</summary>
internal delegate bool MixNameParser<T>(string name, out T value);

/// <summary>Picks items in proportion to their weights (e.g. <c>verify=2,segment=1</c>) from the caller's seeded random.</summary>
internal sealed class WeightedMix<T>
{
    private readonly T[] _items;
    private readonly double[] _cumulative;

    public WeightedMix(IReadOnlyList<(T Item, double Weight)> entries)
    {
        if (entries.Count == 0 || entries.Any(e => e.Weight < 0 || !double.IsFinite(e.Weight)) || entries.Sum(e => e.Weight) <= 0)
        {
            throw new FormatException("a mix needs at least one positive weight and no negative ones.");
        }

        Entries = entries;
        _items = entries.Select(e => e.Item).ToArray();
        _cumulative = new double[entries.Count];
        var total = entries.Sum(e => e.Weight);
        var sum = 0.0;
        for (var i = 0; i < entries.Count; i++)
        {
            sum += entries[i].Weight / total;
            _cumulative[i] = sum;
        }

        _cumulative[^1] = 1.0;
    }

    public IReadOnlyList<(T Item, double Weight)> Entries { get; }

    public T Pick(Random random)
    {
        var u = random.NextDouble();
        for (var i = 0; i < _cumulative.Length; i++)
        {
            if (u < _cumulative[i] && Entries[i].Weight > 0)
            {
                return _items[i];
            }
        }

        // Rounding can leave u above the last positive entry's bound: that entry then wins.
        for (var i = _items.Length - 1; ; i--)
        {
            if (Entries[i].Weight > 0)
            {
                return _items[i];
            }
        }
    }

    /// <summary>Parses <c>name=weight,name=weight</c> (a bare name weighs 1); <paramref name="parseName"/> validates names.</summary>
    public static WeightedMix<T> Parse(string text, string what, MixNameParser<T> parseName)
    {
        var entries = new List<(T, double)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (!parseName(pair[0], out var item))
            {
                throw new FormatException($"{what}: unknown name '{pair[0]}'.");
            }

            var weight = 1.0;
            if (pair.Length == 2 && (!double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || weight < 0))
            {
                throw new FormatException($"{what}: weight '{pair[1]}' of '{pair[0]}' is not a non-negative number.");
            }

            entries.Add((item, weight));
        }

        try
        {
            return new WeightedMix<T>(entries);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{what} '{text}': {e.Message}");
        }
    }
}
