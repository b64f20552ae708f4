package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// These calls are llama-server's own (not OpenAI's): they let a caller fill the
// server's prompt cache before it asks for a completion, so that the completion only
// processes what was added since.

// ApplyTemplate renders messages with the model's chat template (POST
// /apply-template), as the server would for a chat completion.
func (c *Client) ApplyTemplate(ctx context.Context, msgs []Message) (string, error) {
	var out struct {
		Prompt *string `json:"prompt"`
	}
	if err := c.post(ctx, "/apply-template", map[string]any{"messages": msgs}, &out); err != nil {
		return "", fmt.Errorf("apply chat template: %w", err)
	}
	if out.Prompt == nil {
		return "", fmt.Errorf("%w: no prompt in /apply-template's answer", ErrBadResponse)
	}
	return *out.Prompt, nil
}

// Prefill is what one prefill did.
type Prefill struct {
	Evaluated int // prompt tokens processed now
	Cached    int // prompt tokens found in the cache
}

// Prefill has the server process prompt into its slot's cache without generating
// (POST /completion with n_predict 0 and cache_prompt).
func (c *Client) Prefill(ctx context.Context, prompt string) (Prefill, error) {
	var out struct {
		Timings struct {
			CacheN  int `json:"cache_n"`
			PromptN int `json:"prompt_n"`
		} `json:"timings"`
	}
	req := map[string]any{"prompt": prompt, "n_predict": 0, "cache_prompt": true, "stream": false}
	if err := c.post(ctx, "/completion", req, &out); err != nil {
		return Prefill{}, fmt.Errorf("prefill: %w", err)
	}
	return Prefill{Evaluated: out.Timings.PromptN, Cached: out.Timings.CacheN}, nil
}

// post sends a JSON request to a llama-server endpoint and decodes its answer.
func (c *Client) post(ctx context.Context, path string, in, out any) error {
	if err := CheckEndpoint(c.BaseURL, c.AllowRemote); err != nil {
		return err
	}
	base := strings.TrimSuffix(strings.TrimRight(c.BaseURL, "/"), "/v1")
	data, err := c.roundTrip(ctx, base+path, in)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return nil
}

// Tokenize counts the tokens of text with the server's tokenizer (POST /tokenize).
func (c *Client) Tokenize(ctx context.Context, text string) (int, error) {
	var out struct {
		Tokens []json.RawMessage `json:"tokens"`
	}
	if err := c.post(ctx, "/tokenize", map[string]any{"content": text}, &out); err != nil {
		return 0, fmt.Errorf("tokenize: %w", err)
	}
	return len(out.Tokens), nil
}
