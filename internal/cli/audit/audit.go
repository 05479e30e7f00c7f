// Package audit is `flotilla audit`: searching the audit trail the console keeps — what users
// did through the console, the CLI and kubectl (the hub API server's audit log), and what the
// controllers did by themselves, with their reasons.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	auditlog "flotilla.dev/flotilla/internal/audit"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet"
)

// Environment variables that name the console and the token to search it with.
const (
	EnvConsole = "FLOTILLA_CONSOLE"
	EnvToken   = "FLOTILLA_TOKEN" //nolint:gosec // G101: the name of a variable, not a credential
)

// Options are the flags of `flotilla audit`.
type Options struct {
	Console, TokenFile                           string
	User, App, Cluster, Verb, Kind, Since, Until string
	Limit                                        int
	Output                                       string
	HTTP                                         *http.Client
}

// NewCommand returns `flotilla audit`.
func NewCommand(g *options.Global) *cobra.Command {
	o := &Options{HTTP: &http.Client{Timeout: 30 * time.Second}}
	cmd := &cobra.Command{
		Use:   "audit [--user U] [--app A] [--cluster C] [--verb V] [--since 1h]",
		Short: "Search the audit trail: who did what, where, why and with what outcome",
		Long: `Audit searches the audit trail the console keeps, newest first: actions in the console,
changes made with flotilla or kubectl (the hub API server's audit log) and what the controllers
did by themselves (placements, failovers, rollout steps, rollbacks, scaling, resizes, reverts,
freezes) with their reasons.

It asks the console's API. The console is --console, else $FLOTILLA_CONSOLE, else the local
fleet's (flotilla dev up). The token is read from --token-file, else $FLOTILLA_TOKEN, else the
kubeconfig's bearer token, else (local fleet only) its admin token. Reading the trail needs
list on auditrecords.flotilla.dev in the hub.`,
		Example: "  flotilla audit --since 1h\n  flotilla audit --user alice --app web --since 24h\n  flotilla audit --cluster member-2 --verb failover -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Output != "" && o.Output != "json" && o.Output != "yaml" {
				return &options.UsageError{Err: fmt.Errorf("-o must be json or yaml, got %q", o.Output)}
			}
			if o.Limit < 0 {
				return &options.UsageError{Err: fmt.Errorf("--limit must be positive, got %d", o.Limit)}
			}
			base, tok, err := o.endpoint(g)
			if err != nil {
				return err
			}
			recs, err := o.query(cmd.Context(), base, tok)
			if err != nil {
				return err
			}
			return o.print(g.Out, recs, time.Now())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Console, "console", "", "the console's URL (default $FLOTILLA_CONSOLE, else the local fleet's)")
	f.StringVar(&o.TokenFile, "token-file", "", "file holding the bearer token (default $FLOTILLA_TOKEN, else the kubeconfig's token)")
	f.StringVar(&o.User, "user", "", "only what this user (or controller) did")
	f.StringVar(&o.App, "app", "", "only records about this Application (and its autoscalers and resource policies of the same name)")
	f.StringVar(&o.Cluster, "cluster", "", "only records that name this member cluster")
	f.StringVar(&o.Verb, "verb", "", "only this verb: create, patch, delete, scale, undo, promote, abort, resize, revert, ...")
	f.StringVar(&o.Kind, "kind", "", "only records about objects of this kind")
	f.StringVar(&o.Since, "since", "1h", "how far back: a duration (30m, 24h) or an RFC 3339 time")
	f.StringVar(&o.Until, "until", "", "up to this RFC 3339 time (default now)")
	f.IntVar(&o.Limit, "limit", 100, "at most this many records")
	f.StringVarP(&o.Output, "output", "o", "", "json or yaml (default: a table)")
	return cmd
}

// endpoint finds the console and the token.
func (o *Options) endpoint(g *options.Global) (string, string, error) {
	base := firstOf(o.Console, os.Getenv(EnvConsole))
	tok := ""
	if o.TokenFile != "" {
		raw, err := os.ReadFile(o.TokenFile)
		if err != nil {
			return "", "", fmt.Errorf("--token-file: %w", err)
		}
		tok = strings.TrimSpace(string(raw))
	}
	tok = firstOf(tok, os.Getenv(EnvToken))
	if tok == "" {
		if cfg, err := g.RESTConfig(); err == nil {
			tok = cfg.BearerToken
		}
	}
	if base == "" || tok == "" {
		if f, err := localFleet(); err == nil {
			base = firstOf(base, f.ConsoleURL())
			if tokens, err := f.Tokens(); err == nil {
				tok = firstOf(tok, tokens.Admin)
			}
		}
	}
	if base == "" {
		return "", "", errors.New("no console to ask: pass --console URL or set " + EnvConsole + " (the local fleet's is found when `flotilla dev up` ran)")
	}
	if tok == "" {
		return "", "", errors.New("no token: pass --token-file or set " + EnvToken)
	}
	return strings.TrimSuffix(base, "/"), tok, nil
}

func localFleet() (*devfleet.Fleet, error) {
	home, err := devfleet.DefaultHome()
	if err != nil {
		return nil, err
	}
	return devfleet.Load(home)
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// query asks the console.
func (o *Options) query(ctx context.Context, base, tok string) ([]auditlog.Record, error) {
	q := url.Values{}
	for k, v := range map[string]string{"user": o.User, "app": o.App, "cluster": o.Cluster, "verb": o.Verb, "kind": o.Kind, "since": o.Since, "until": o.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("limit", strconv.Itoa(o.Limit))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/audit?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the console at %s: %w", base, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return nil, fmt.Errorf("the console answered %s: %s", resp.Status, firstOf(e.Error, strings.TrimSpace(string(raw))))
	}
	var body struct {
		Items []auditlog.Record `json:"items"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("reading the console's answer: %w", err)
	}
	return body.Items, nil
}

// print writes the records as a table, JSON or YAML.
func (o *Options) print(w io.Writer, recs []auditlog.Record, now time.Time) error {
	switch o.Output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"items": recs})
	case "yaml":
		out, err := yaml.Marshal(map[string]any{"items": recs})
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	if len(recs) == 0 {
		fmt.Fprintln(w, "No audit records match.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTOR\tVIA\tVERB\tOBJECT\tCLUSTERS\tOUTCOME\tDETAIL")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Local().Format("2006-01-02 15:04:05"), r.Actor.User, orDash(r.Actor.Via),
			r.Verb, object(r.Object), orDash(strings.Join(r.Clusters, ",")), r.Outcome, detail(r))
	}
	return tw.Flush()
}

func object(o auditlog.ObjectRef) string {
	s := o.Kind
	if o.Namespace != "" {
		s += " " + o.Namespace + "/" + o.Name
	} else if o.Name != "" {
		s += " " + o.Name
	}
	return s
}

// detail is what changed and why, in one line of at most 100 characters.
func detail(r auditlog.Record) string {
	parts := []string{}
	if r.Before != "" || r.After != "" {
		parts = append(parts, orDash(r.Before)+" -> "+orDash(r.After))
	}
	for _, s := range []string{r.Reason, r.Message} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	d := strings.Join(parts, "; ")
	if len(d) > 100 {
		d = d[:97] + "..."
	}
	return orDash(d)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
