package llmdraft

// SystemPrompt exposes the system prompt to the external tests (to size contexts).
var SystemPrompt = systemPrompt
