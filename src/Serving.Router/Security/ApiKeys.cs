using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace Serving.Router.Security;

/// <summary>
/// The API keys a router accepts: one per line in a file (blank lines and <c>#</c> comments
/// ignored) and/or a comma-separated environment variable. Keys are never logged: a caller is
/// identified by a short hash of its key.
/// </summary>
public sealed class ApiKeys
{
    private readonly FrozenSet<string> _keys;

    private ApiKeys(IEnumerable<string> keys) => _keys = keys.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>No keys: authentication is off.</summary>
    public static ApiKeys None { get; } = new([]);

    /// <summary>Whether callers must present a key.</summary>
    public bool Enabled => _keys.Count > 0;

    /// <summary>How many keys are accepted.</summary>
    public int Count => _keys.Count;

    /// <summary>Keys from <paramref name="file"/> (if given) and <paramref name="commaSeparated"/> (if given).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static ApiKeys Load(string? file, string? commaSeparated)
    {
        var keys = new List<string>();
        if (!string.IsNullOrEmpty(file))
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"API keys file '{file}' does not exist.", file);
            }

            keys.AddRange(File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
        }

        if (!string.IsNullOrEmpty(commaSeparated))
        {
            keys.AddRange(commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return new ApiKeys(keys);
    }

    /// <summary>Keys given directly (tests, embedding).</summary>
    public static ApiKeys Of(params string[] keys) => new(keys.Where(k => !string.IsNullOrWhiteSpace(k)));

    /// <summary>Whether <paramref name="key"/> is accepted.</summary>
    public bool IsValid(string key) => _keys.Contains(key);

    /// <summary>A stable, non-reversible id of a key for rate-limit partitions and logs.</summary>
    public static string Fingerprint(string key) =>
        "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 6)).ToLowerInvariant();
}
