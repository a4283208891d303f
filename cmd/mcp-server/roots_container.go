//go:build containerroots

package main

// The container image is built FROM scratch, which has no CA certificates.
// Release builds for it carry Mozilla's roots, which Go uses only when the
// system offers none. Other builds leave them out: parsing them at start
// costs about 2 ms and 0.7 MB.
import _ "golang.org/x/crypto/x509roots/fallback"
