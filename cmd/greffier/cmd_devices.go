package main

import (
	"context"
	"encoding/json"
	"fmt"
	"greffier/audio/portaudio"
	"text/tabwriter"
)

func devicesCommand() command {
	return command{
		name:    "devices",
		summary: "list the audio inputs a recording can use",
		run:     runDevices,
	}
}

func runDevices(_ context.Context, c *cli, args []string) error {
	fs := newFlags(c, "devices", "devices [--json]")
	asJSON := fs.Bool("json", false, "print one JSON object per input")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("devices takes no arguments")
	}
	devs, err := portaudio.InputDevices()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		for _, d := range devs {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	}
	if len(devs) == 0 {
		fmt.Fprintln(c.stderr, "no audio input found (is a microphone connected? see 'greffier doctor')")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEFAULT\tNAME\tHOST API\tCHANNELS\tRATE")
	for _, d := range devs {
		mark := ""
		if d.IsDefault {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.0f\n", mark, d.Name, d.HostAPI, d.MaxInputChannels, d.DefaultSampleRate)
	}
	return tw.Flush()
}
