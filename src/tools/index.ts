/** The tools outside the model: the public API of src/tools (see docs/guide.md, "Tools"). */
export { type ArgumentGrammarKind, argumentGrammar } from "./argument-grammars.ts";
export { type CalcOptions, type CalcResult, calculate, createCalcTool } from "./calc/calc-tool.ts";
export { CalcSyntaxError } from "./calc/evaluate.ts";
export { CalcDomainError } from "./calc/numbers.ts";
export { type CallGrammar, type CallGrammarState, createCallGrammar } from "./call-grammar.ts";
export { formatCall, parseCall, type ToolCall, ToolCallSyntaxError, type ToolLookup } from "./call-syntax.ts";
export { BUILTIN_TOOL_NAMES, createToolRegistry, type ToolSetOptions } from "./default-tools.ts";
export { createJsTool, type JsResultData, type JsToolOptions } from "./js/js-tool.ts";
export { connectMcpServer, importMcpServer, type McpConnection, McpError } from "./mcp/mcp-client.ts";
export { createMcpServer, type McpServerOptions } from "./mcp/mcp-server.ts";
export { canIsolateNetwork, PythonPool, type PythonPoolOptions } from "./python/python-pool.ts";
export {
  createPythonTool,
  type PythonResultData,
  type PythonTool,
  type PythonToolOptions,
} from "./python/python-tool.ts";
export { errorResult, ToolRegistry } from "./registry.ts";
export { createSearchTool, formatHits, type NumberedHit, type SearchResultData } from "./search-tool.ts";
export {
  type AnyTool,
  type CompactSyntax,
  defineTool,
  SandboxCrashedError,
  type Tool,
  type ToolDefinition,
  type ToolExecuteOptions,
  type ToolLimits,
  type ToolResult,
} from "./tool.ts";
