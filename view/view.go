// Package view holds the deal card, the MCP App view the server offers to
// hosts that render views (the io.modelcontextprotocol/ui extension): one
// self-contained HTML file built from this folder's TypeScript by
// `npm run build` into dist/, which git does not keep.
package view

import "embed"

//go:embed all:dist
var dist embed.FS

// Deal returns the deal card's HTML, nil when this binary was built
// without it (dist/deal.html not built, as with go install): the server
// then offers no view, and every tool answers as it does for any host.
func Deal() []byte {
	html, err := dist.ReadFile("dist/deal.html")
	if err != nil {
		return nil
	}
	return html
}
