/// Facts about this build of Gantry.
public enum Gantry {
    /// The version reported by `gantry --version`, the API and the git `agent=` capability.
    public static let version = "0.1.0"
}
