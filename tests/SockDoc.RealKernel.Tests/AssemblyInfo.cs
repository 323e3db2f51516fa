// Tests here change kernel state that other tests observe (global sysctls, sockstat counts):
// they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
