using Xunit.Abstractions;

namespace SockDoc.RealKernel.Tests;

/// <summary>
/// Runs the "native" collection (the tests of the NativeAOT binary) after all others: run-tests builds that binary in the
/// background (SOCKDOC_NATIVE_BUILD), so the tests that do not need it run while it compiles instead of waiting behind
/// the first one that does. The others keep the order they come in (a stable sort).
/// </summary>
public sealed class NativeLastOrderer : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName == "native" ? 1 : 0);
}
