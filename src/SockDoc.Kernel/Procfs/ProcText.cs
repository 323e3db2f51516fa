using System.Buffers.Text;

namespace SockDoc.Kernel.Procfs;

/// <summary>Small span helpers shared by the procfs parsers: lines and whitespace-separated fields over bytes.</summary>
public static class ProcText
{
    /// <summary>Lines longer than this are not what any proc file we read prints; a parser treats them as damage.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>Enumerates lines (without the newline) of a byte buffer. The last line may lack a newline.</summary>
    public static LineEnumerator Lines(ReadOnlySpan<byte> data) => new(data);

    public ref struct LineEnumerator(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;
        private int _number;

        public ReadOnlySpan<byte> Current { get; private set; }
        public readonly int LineNumber => _number;

        public readonly LineEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_rest.IsEmpty) return false;
            var nl = _rest.IndexOf((byte)'\n');
            if (nl < 0)
            {
                Current = _rest;
                _rest = default;
            }
            else
            {
                Current = _rest[..nl];
                _rest = _rest[(nl + 1)..];
            }
            _number++;
            return true;
        }
    }

    /// <summary>Splits on spaces and tabs.</summary>
    public static FieldEnumerator Fields(ReadOnlySpan<byte> line) => new(line);

    public ref struct FieldEnumerator(ReadOnlySpan<byte> line)
    {
        private ReadOnlySpan<byte> _rest = line;
        public ReadOnlySpan<byte> Current { get; private set; }
        public readonly FieldEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            int i = 0;
            while (i < _rest.Length && IsSpace(_rest[i])) i++;
            if (i == _rest.Length) { _rest = default; return false; }
            int j = i;
            while (j < _rest.Length && !IsSpace(_rest[j])) j++;
            Current = _rest[i..j];
            _rest = _rest[j..];
            return true;
        }
    }

    public static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r';

    public static bool TryLong(ReadOnlySpan<byte> s, out long value) =>
        Utf8Parser.TryParse(s, out value, out int consumed) && consumed == s.Length;

    public static bool TryULongHex(ReadOnlySpan<byte> s, out ulong value) =>
        Utf8Parser.TryParse(s, out value, out int consumed, 'x') && consumed == s.Length;

    public static string Str(ReadOnlySpan<byte> s) => System.Text.Encoding.UTF8.GetString(s);

    /// <summary>True if the data has bytes no proc text file prints (NUL, other control bytes).</summary>
    public static bool LooksBinary(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b == 0 || (b < 0x20 && b != (byte)'\n' && b != (byte)'\t' && b != (byte)'\r')) return true;
        }
        return false;
    }
}
