package view

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDealIsSelfContained: the built card is one HTML document that
// loads nothing: no script, style sheet, font or image from anywhere, so
// that hosts can frame it with a CSP that allows no outside domain.
// LFMCP_REQUIRE_NODE=1 (test.sh sets it) makes an unbuilt card a failure.
func TestDealIsSelfContained(t *testing.T) {
	html := string(Deal())
	if html == "" {
		if os.Getenv("LFMCP_REQUIRE_NODE") == "1" {
			t.Fatal("view/dist/deal.html is not built: npm ci --prefix view && npm run --prefix view build")
		}
		t.Skip("the card is built with npm: npm ci --prefix view && npm run --prefix view build")
	}
	if !strings.HasPrefix(strings.ToLower(html), "<!doctype html>") {
		t.Errorf("not an HTML document: %.80q", html)
	}
	if m := regexp.MustCompile(`(?i)<(script|img|iframe|link|source|video|audio|embed|object)\b[^>]*\b(src|href|data)\s*=`).FindString(html); m != "" {
		t.Errorf("the card loads something: %q", m)
	}
	// Style sheets may use data: URLs only.
	for _, style := range regexp.MustCompile(`(?is)<style[^>]*>(.*?)</style>`).FindAllStringSubmatch(html, -1) {
		if m := regexp.MustCompile(`(?i)@import|url\(\s*['"]?[^'"\s)]`).FindString(strings.ReplaceAll(style[1], "url(data:", "")); m != "" {
			t.Errorf("the card's styles load something: %q", m)
		}
	}
	if n := strings.Count(strings.ToLower(html), "<script"); n != 1 {
		t.Errorf("%d script elements, want the one inlined bundle", n)
	}
}
