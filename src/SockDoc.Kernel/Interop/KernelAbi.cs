using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>
/// The kernel ABI values that differ between the architectures SockDoc ships for. Everything else in
/// <see cref="Libc"/> is the same on x86_64 and arm64 (both use the asm-generic socket, errno and resource
/// headers); tests/SockDoc.Tests/Interop/KernelAbiTests.cs compiles every value against each architecture's
/// C headers (gcc and aarch64-linux-gnu-gcc), so a wrong value here fails the build of that test, not a server.
/// </summary>
public sealed record KernelAbi(
    Architecture Architecture,
    // O_DIRECTORY: asm-generic/fcntl.h has 00200000; arch/arm64/include/uapi/asm/fcntl.h overrides it with
    // 040000 (there 0200000 is O_DIRECT, so the x86_64 value would open /proc directories without the check).
    int ODirectory,
    // struct epoll_event (include/uapi/linux/eventpoll.h) is EPOLL_PACKED on __x86_64__ only: 12 bytes with the
    // 64-bit data at offset 4; elsewhere natural alignment puts data at 8 and the array stride is 16.
    int EpollEventSize,
    int EpollDataOffset)
{
    public static readonly KernelAbi X64 = new(Architecture.X64, 0x10000, 12, 4);
    public static readonly KernelAbi Arm64 = new(Architecture.Arm64, 0x4000, 16, 8);

    /// <summary>The table for an architecture, or null for one SockDoc has not been checked on.</summary>
    public static KernelAbi? For(Architecture architecture) => architecture switch
    {
        Architecture.X64 => X64,
        Architecture.Arm64 => Arm64,
        _ => null,
    };

    /// <summary>
    /// This process's table. An unchecked architecture gets none rather than x86_64's: the raw calls that
    /// depend on it fail with a clear message instead of corrupting memory.
    /// </summary>
    public static KernelAbi Current { get; } = For(RuntimeInformation.ProcessArchitecture)
        ?? throw new PlatformNotSupportedException(
            $"SockDoc's kernel interop is defined for x86_64 and arm64, not {RuntimeInformation.ProcessArchitecture}");
}
