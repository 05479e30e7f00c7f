// Package web embeds the console's single-page application, built from web/console by
// `make web` into dist/. A binary built without it serves a page that says how to build it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files returns the built application (index.html, app.js, app.css); ok is false when the
// front-end was not built into this binary.
func Files() (files fs.FS, ok bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, false
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return sub, false
	}
	return sub, true
}
