using System.Globalization;
using System.Text.Json;

namespace Serving.Testing;

/// <summary>One instant query against a Prometheus HTTP API (any Prometheus, e.g. one a product command started).</summary>
public static class PrometheusApi
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The result of <paramref name="query"/> as (labels -> value); throws <see cref="HttpRequestException"/> while Prometheus is not up.</summary>
    public static async Task<List<(Dictionary<string, string> Labels, double Value)>> QueryAsync(int port, string query)
    {
        var uri = new Uri($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(query)}");
        using var document = JsonDocument.Parse(await Http.GetStringAsync(uri));
        var result = new List<(Dictionary<string, string>, double)>();
        foreach (var item in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            result.Add((labels, double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)));
        }

        return result;
    }
}
