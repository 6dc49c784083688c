using System.Text;

namespace Serving.Telemetry.Internal;

/// <summary>
/// The identity of one series within an instrument: its tags, sorted by name, with the label text
/// rendered once.
/// </summary>
/// <remarks>
/// Created only when a label set is seen for the first time; later measurements find the series by
/// comparing their tag span against this key (<see cref="TagSetComparer"/>) without allocating.
/// Tags are compared as a set, so callers passing the same tags in another order hit the same series.
/// </remarks>
internal sealed class TagSetKey
{
    private TagSetKey(KeyValuePair<string, object?>[] tags, int hash, string labelText)
    {
        Tags = tags;
        Hash = hash;
        LabelText = labelText;
    }

    /// <summary>The tags sorted by name (ordinal), one per name.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    public int Hash { get; }

    /// <summary><c>a="x",b="y"</c>: sanitised names, escaped values, no braces; also the sort key of the output.</summary>
    public string LabelText { get; }

    public static TagSetKey Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // A repeated name keeps its last value, as a dictionary would.
        var unique = new Dictionary<string, object?>(tags.Length, StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            unique[tag.Key] = tag.Value;
        }

        var sorted = unique.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));

        var text = new StringBuilder();
        foreach (var (name, value) in sorted)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(PrometheusText.SanitizeLabelName(name))
                .Append("=\"")
                .Append(PrometheusText.EscapeLabelValue(PrometheusText.FormatTagValue(value)))
                .Append('"');
        }

        return new TagSetKey(sorted, HashOf(sorted), text.ToString());
    }

    /// <summary>Order-independent, so a span in any order hashes like the sorted key.</summary>
    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = tags.Length;
        foreach (var tag in tags)
        {
            hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(tag.Key), tag.Value?.GetHashCode() ?? 0);
        }

        return hash;
    }

    /// <summary>True when <paramref name="tags"/> holds exactly this key's tags, in any order.</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != Tags.Length)
        {
            return false;
        }

        // Label sets are a handful of tags: a scan beats sorting or hashing a copy.
        foreach (var tag in tags)
        {
            var found = false;
            foreach (var mine in Tags)
            {
                if (string.Equals(mine.Key, tag.Key, StringComparison.Ordinal))
                {
                    found = Equals(mine.Value, tag.Value);
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}
