using Microsoft.Win32.SafeHandles;

namespace SockDoc.Kernel.Interop;

/// <summary>A Linux file descriptor owned by managed code: invalid is -1, release is close(2).</summary>
public sealed class SafeFdHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeFdHandle() : base(ownsHandle: true) { }

    public SafeFdHandle(int fd, bool ownsHandle = true) : base(ownsHandle)
    {
        SetHandle(fd);
    }

    public int Fd => (int)handle;

    // fd 0 is valid on Linux; only -1 means invalid.
    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}
