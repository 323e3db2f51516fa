using System.Buffers.Binary;
using System.IO.Compression;

namespace SockDoc.RealKernel.Tests.Watch;

/// <summary>
/// Just enough of a PNG decoder (RFC 2083: 8-bit RGB or RGBA, non-interlaced, the five filters) to
/// count the pixels of a Chromium screenshot, so the test can tell a drawn chart from a blank page.
/// </summary>
internal sealed class Png
{
    public int Width { get; private init; }
    public int Height { get; private init; }
    public int Channels { get; private init; }
    public byte[] Pixels { get; private init; } = [];

    public (byte R, byte G, byte B) At(int x, int y)
    {
        int i = (y * Width + x) * Channels;
        return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
    }

    public static Png Read(string path)
    {
        var data = File.ReadAllBytes(path);
        Assert.True(data.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), $"{path}: not a PNG");
        int pos = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        while (pos + 8 <= data.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
            var body = data.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.Equal(8, body[8]); // bit depth
                channels = body[9] switch { 2 => 3, 6 => 4, _ => throw new NotSupportedException($"PNG colour type {body[9]}") };
                Assert.Equal(0, body[12]); // no interlace
            }
            else if (type == "IDAT") idat.Write(body);
            else if (type == "IEND") break;
            pos += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var bytes = raw.ToArray();
        int stride = width * channels;
        var pixels = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            int filter = bytes[y * (stride + 1)];
            var line = bytes.AsSpan(y * (stride + 1) + 1, stride);
            var cur = pixels.AsSpan(y * stride, stride);
            var prev = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? cur[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
                int p = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new NotSupportedException($"PNG filter {filter}"),
                };
                cur[i] = unchecked((byte)(line[i] + p)); // PNG filters add modulo 256
            }
        }
        return new Png { Width = width, Height = height, Channels = channels, Pixels = pixels };
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
