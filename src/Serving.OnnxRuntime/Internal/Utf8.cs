using System.Runtime.InteropServices;
using System.Text;

namespace Serving.OnnxRuntime.Internal;

/// <summary>Null-terminated UTF-8 strings in native memory, for names ORT reads during a call.</summary>
internal static unsafe class Utf8
{
    /// <summary>Allocates a null-terminated UTF-8 copy of <paramref name="value"/>; free with <see cref="Free"/>.</summary>
    public static byte* Allocate(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        var p = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(p, length));
        p[length] = 0;
        return p;
    }

    public static void Free(byte* p) => NativeMemory.Free(p);

    /// <summary>Allocates an array of <paramref name="values"/>.Count native strings.</summary>
    public static byte** AllocateArray(IReadOnlyList<string> values)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)Math.Max(values.Count, 1), (nuint)sizeof(byte*));
        for (int i = 0; i < values.Count; i++)
        {
            array[i] = Allocate(values[i]);
        }

        return array;
    }

    /// <summary>Frees an array from <see cref="AllocateArray"/>; tolerates null entries and a null array.</summary>
    public static void FreeArray(byte** array, int count)
    {
        if (array == null)
        {
            return;
        }

        for (int i = 0; i < count; i++)
        {
            NativeMemory.Free(array[i]);
        }

        NativeMemory.Free(array);
    }

    public static string Read(byte* p) => p == null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
}
