/// The version of this DS Toolbox build.
public enum DSToolboxVersion {
    /// Semantic version string.
    public static let current = "0.1.0"
}
