// The umbrella module: `import DSToolbox` brings in every kit. It holds nothing else.
@_exported import ToolboxCore
@_exported import SEGYKit
@_exported import LearnKit
