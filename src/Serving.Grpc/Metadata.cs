using System.Collections;
using System.Text;

namespace Serving.Grpc;

/// <summary>
/// Call metadata (request headers, response headers or trailers): an ordered list of entries whose
/// keys are lowercase ASCII. Keys ending in <c>-bin</c> carry binary values (base64 on the wire);
/// the others carry printable ASCII strings.
/// </summary>
public sealed class Metadata : IList<Metadata.Entry>
{
    /// <summary>The suffix that marks a binary key.</summary>
    public const string BinaryHeaderSuffix = "-bin";

    /// <summary>A shared, read-only empty instance.</summary>
    public static readonly Metadata Empty = new(readOnly: true);

    private readonly List<Entry> _entries = [];
    private readonly bool _readOnly;

    /// <summary>Creates an empty, writable collection.</summary>
    public Metadata()
    {
    }

    private Metadata(bool readOnly) => _readOnly = readOnly;

    /// <inheritdoc />
    public int Count => _entries.Count;

    /// <inheritdoc />
    public bool IsReadOnly => _readOnly;

    /// <inheritdoc />
    public Entry this[int index]
    {
        get => _entries[index];
        set
        {
            ThrowIfReadOnly();
            ArgumentNullException.ThrowIfNull(value);
            _entries[index] = value;
        }
    }

    /// <summary>Adds an ASCII entry; the key must not end in <c>-bin</c>.</summary>
    public Metadata Add(string key, string value)
    {
        Add(new Entry(key, value));
        return this;
    }

    /// <summary>Adds a binary entry; the key must end in <c>-bin</c>.</summary>
    public Metadata Add(string key, byte[] value)
    {
        Add(new Entry(key, value));
        return this;
    }

    /// <inheritdoc />
    public void Add(Entry item)
    {
        ThrowIfReadOnly();
        ArgumentNullException.ThrowIfNull(item);
        _entries.Add(item);
    }

    /// <summary>The last entry with <paramref name="key"/> (case-insensitive), or null.</summary>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }

        return null;
    }

    /// <summary>The string value of the last ASCII entry with <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key) => Get(key) is { IsBinary: false } entry ? entry.Value : null;

    /// <summary>The bytes of the last binary entry with <paramref name="key"/>, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key) is { IsBinary: true } entry ? entry.ValueBytes : null;

    /// <summary>All entries with <paramref name="key"/> in order.</summary>
    public IEnumerable<Entry> GetAll(string key) => _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public void Clear()
    {
        ThrowIfReadOnly();
        _entries.Clear();
    }

    /// <inheritdoc />
    public bool Contains(Entry item) => _entries.Contains(item);

    /// <inheritdoc />
    public void CopyTo(Entry[] array, int arrayIndex) => _entries.CopyTo(array, arrayIndex);

    /// <inheritdoc />
    public int IndexOf(Entry item) => _entries.IndexOf(item);

    /// <inheritdoc />
    public void Insert(int index, Entry item)
    {
        ThrowIfReadOnly();
        ArgumentNullException.ThrowIfNull(item);
        _entries.Insert(index, item);
    }

    /// <inheritdoc />
    public bool Remove(Entry item)
    {
        ThrowIfReadOnly();
        return _entries.Remove(item);
    }

    /// <inheritdoc />
    public void RemoveAt(int index)
    {
        ThrowIfReadOnly();
        _entries.RemoveAt(index);
    }

    /// <summary>Enumerates without allocating.</summary>
    public List<Entry>.Enumerator GetEnumerator() => _entries.GetEnumerator();

    IEnumerator<Entry> IEnumerable<Entry>.GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", _entries);

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("This metadata collection is read-only.");
        }
    }

    /// <summary>True when <paramref name="key"/> ends in <c>-bin</c>.</summary>
    public static bool IsBinaryKey(string key) => key.EndsWith(BinaryHeaderSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>One metadata entry: a key with either an ASCII value or a binary value.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _valueBytes;

        /// <summary>Creates an ASCII entry.</summary>
        public Entry(string key, string value)
        {
            Key = NormalizeKey(key);
            ArgumentNullException.ThrowIfNull(value);
            if (IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{Key}' ends in '-bin' and so needs a binary value.", nameof(key));
            }

            foreach (var c in value)
            {
                // HTTP/2 header values must be visible ASCII or space; anything else would be
                // rejected or mangled by the transport, so refuse it here with a clear error.
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException($"Value of '{Key}' must be printable ASCII; use a '-bin' key for other data.", nameof(value));
                }
            }

            _value = value;
        }

        /// <summary>Creates a binary entry.</summary>
        public Entry(string key, byte[] valueBytes)
        {
            Key = NormalizeKey(key);
            ArgumentNullException.ThrowIfNull(valueBytes);
            if (!IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{Key}' must end in '-bin' to carry a binary value.", nameof(key));
            }

            _valueBytes = valueBytes;
        }

        /// <summary>The lowercase key.</summary>
        public string Key { get; }

        /// <summary>True for <c>-bin</c> entries.</summary>
        public bool IsBinary => _valueBytes is not null;

        /// <summary>The ASCII value; for binary entries, the bytes decoded as UTF-8 (lossy).</summary>
        public string Value => _value ?? Encoding.UTF8.GetString(_valueBytes!);

        /// <summary>The binary value; for ASCII entries, the value's ASCII bytes.</summary>
        public byte[] ValueBytes => _valueBytes ?? Encoding.ASCII.GetBytes(_value!);

        /// <inheritdoc />
        public override string ToString() => IsBinary ? $"{Key}=[{_valueBytes!.Length} bytes]" : $"{Key}={_value}";

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var lower = key.ToLowerInvariant();
            foreach (var c in lower)
            {
                // gRPC allows 0-9 a-z _ - . in keys (PROTOCOL-HTTP2.md, Header-Name).
                if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.'))
                {
                    throw new ArgumentException($"Metadata key '{key}' contains '{c}'; only 0-9 a-z _ - . are allowed.", nameof(key));
                }
            }

            return lower;
        }
    }
}
