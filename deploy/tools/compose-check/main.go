// Command compose-check loads a compose file the way `docker compose config` does (compose-go, the
// library Docker Compose is built on): interpolation with the env files and the process environment,
// each service's env_file merged into its environment, the schema and consistency checks. It exits 1
// on any error and otherwise prints the resolved project as JSON.
//
//	compose-check [--env-file FILE]... compose.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

type envFiles []string

func (f *envFiles) String() string     { return fmt.Sprint(*f) }
func (f *envFiles) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var files envFiles
	flag.Var(&files, "env-file", "an env file for interpolation, as `docker compose --env-file` (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [--env-file FILE]... compose.yaml")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(flag.Args(),
		cli.WithOsEnv,
		cli.WithEnvFiles(files...),
		cli.WithDotEnv,
		cli.WithResolvedPaths(true),
	)
	if err == nil {
		err = load(options)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
		os.Exit(1)
	}
}

func load(options *cli.ProjectOptions) error {
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	resolved, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(resolved, '\n'))
	return err
}
