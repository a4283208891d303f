// Command bareserver is the smallest mcp-go server over stdio: one tool
// with a trivial handler. The benchmark times its cold start beside the
// real server's, so that the target is a ratio to what mcp-go costs alone.
package main

import (
	"context"
	"log"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

func main() {
	s := server.NewMCPServer("bare", "0", server.WithToolCapabilities(true))
	s.AddTool(mcp.NewTool("hello", mcp.WithDescription("Says hello.")), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("hello"), nil
	})
	if err := server.ServeStdio(s); err != nil {
		log.Fatal(err)
	}
}
