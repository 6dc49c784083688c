namespace Serving.Telemetry.Internal;

/// <summary>One label set of one instrument: its key and its label block encoded for the scrape.</summary>
internal abstract class Series
{
    protected Series(TagSetKey key)
    {
        Key = key;
        Labels = key.LabelText.Length == 0 ? [] : PrometheusText.Utf8("{" + key.LabelText + "}");
    }

    public TagSetKey Key { get; }

    /// <summary><c>{a="x"}</c> in UTF-8, or empty for a series without labels.</summary>
    public byte[] Labels { get; }
}
