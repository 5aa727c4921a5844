@_exported import ToolboxCore
