/// The implementations of PromQL's functions, by name.
enum FunctionTable {
    /// The implementation of `name`, or nil when the engine evaluates it itself.
    static func implementation(for name: String) -> FunctionImplementation? {
        nil
    }
}
