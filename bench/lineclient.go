package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
)

// lineClient speaks JSON-RPC to a process over its stdin and stdout, one
// message per line, and does nothing else: timed through it, a call costs
// what the server (and the pipes) cost, not what a client library adds,
// just as the direct requests are timed with a plain HTTP client.
type lineClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	id  int
}

func startLine(cmd *exec.Cmd) (*lineClient, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &lineClient{cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

// lineSession starts the binary against baseURL and completes the MCP
// handshake over lineClient.
func lineSession(binary, baseURL string) (*lineClient, error) {
	c, err := startLine(serverCommand(binary, baseURL))
	if err != nil {
		return nil, err
	}
	if _, err := c.call("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "bench", "version": "0"}}); err != nil {
		c.close()
		return nil, fmt.Errorf("initialize: %w", err)
	}
	if _, err := c.in.Write([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n")); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// call sends one request and returns its result, skipping notifications.
func (c *lineClient) call(method string, params any) (json.RawMessage, error) {
	c.id++
	msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if _, err := c.in.Write(append(msg, '\n')); err != nil {
		return nil, err
	}
	for {
		line, err := c.out.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		var resp struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(line, &resp) != nil || resp.ID == nil || *resp.ID != c.id {
			continue
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, resp.Error.Message)
		}
		return resp.Result, nil
	}
}

// callTool calls a tool and fails on a refusal.
func (c *lineClient) callTool(name string, args map[string]any) error {
	raw, err := c.call("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return err
	}
	var res struct {
		IsError bool `json:"isError"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.IsError {
		return fmt.Errorf("%s refused or unreadable: %s", name, raw)
	}
	return nil
}

func (c *lineClient) waitRefined(marker string) ([]byte, error) {
	return poll(marker, func() ([]byte, error) { return c.call("tools/list", map[string]any{}) })
}

// echo sends one line and reads one back (for cat, the floor of a round
// trip through two pipes and another process).
func (c *lineClient) echo() error {
	if _, err := c.in.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n")); err != nil {
		return err
	}
	_, err := c.out.ReadBytes('\n')
	return err
}

func (c *lineClient) close() {
	c.in.Close()
	c.cmd.Wait()
}
