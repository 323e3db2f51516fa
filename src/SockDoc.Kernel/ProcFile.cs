using System.Buffers;

namespace SockDoc.Kernel;

/// <summary>
/// Reads a /proc or /sys file to EOF. st_size is 0 or wrong for these files, so we never trust it
/// (procfs ReadFileNoStat). Reads are bounded so a runaway or hostile file cannot exhaust memory.
/// </summary>
public static class ProcFile
{
    /// <summary>Files larger than this are cut and reported as partial (slabinfo is ~30 KB, meminfo ~1.5 KB).</summary>
    public const int DefaultMaxBytes = 8 * 1024 * 1024;

    public static ReadResult<byte[]> ReadAll(string path, int maxBytes = DefaultMaxBytes)
    {
        try
        {
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite,
                BufferSize = 0,
                Options = FileOptions.None,
            });
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                using var ms = new MemoryStream();
                bool truncated = false;
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (ms.Length + n > maxBytes)
                    {
                        ms.Write(buffer, 0, (int)(maxBytes - ms.Length));
                        truncated = true;
                        break;
                    }
                    ms.Write(buffer, 0, n);
                }
                return ReadResult<byte[]>.Success(ms.ToArray(), path, truncated, truncated ? $"cut at {maxBytes} bytes" : null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (FileNotFoundException)
        {
            return ReadResult<byte[]>.Fail(ReadStatus.Missing, path, "does not exist");
        }
        catch (DirectoryNotFoundException)
        {
            return ReadResult<byte[]>.Fail(ReadStatus.Missing, path, "does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            return ReadResult<byte[]>.Fail(ReadStatus.Denied, path, "permission denied (needs root)");
        }
        catch (IOException e)
        {
            return ReadResult<byte[]>.Fail(ReadStatus.Failed, path, e.Message);
        }
    }

    /// <summary>Reads and parses; a parse failure becomes Malformed with the parser's line and message.</summary>
    public static ReadResult<T> Read<T>(ProcRoot root, string relative, Func<ReadOnlySpan<byte>, T> parse, int maxBytes = DefaultMaxBytes) =>
        ReadPath(root.PathOf(relative), parse, maxBytes);

    /// <summary>Reads and parses a file by absolute path (cgroup files under /sys/fs/cgroup).</summary>
    public static ReadResult<T> ReadPath<T>(string path, Func<ReadOnlySpan<byte>, T> parse, int maxBytes = DefaultMaxBytes)
    {
        var bytes = ReadAll(path, maxBytes);
        if (!bytes.Ok) return new ReadResult<T>(bytes.Status, default, path, bytes.Reason);
        try
        {
            return ReadResult<T>.Success(parse(bytes.Value), path, bytes.Partial, bytes.Reason);
        }
        catch (ProcParseException e)
        {
            return ReadResult<T>.Fail(ReadStatus.Malformed, path, e.Describe());
        }
    }
}
