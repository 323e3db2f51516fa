// Tests here change kernel state that other tests observe (global sysctls, sockstat counts):
// they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
// The NativeAOT binary's tests last (NativeLastOrderer): its build runs in the background meanwhile.
[assembly: TestCollectionOrderer("SockDoc.RealKernel.Tests.NativeLastOrderer", "SockDoc.RealKernel.Tests")]
