package main

import (
	"net"
	"strings"
	"testing"
)

// An admin's setting decides whether HL7 may go over MLLP to another machine; only
// an admin changes it (and any setting saying where patient text goes), and both the
// setting and the export say that MLLP is unencrypted.
func TestSettingsAndRemoteMLLP(t *testing.T) {
	dbp, _ := exportFixture(t)
	auth := protectDB(t, dbp, "Dr Éloïse Durand", "Léa")
	as := func(user string, args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--db", dbp, "--as", user, "--auth-file", auth[user])...)
	}
	if code, _, errs := as("Dr Éloïse Durand", "approve", "1"); code != 0 {
		t.Fatalf("approve: %d %s", code, errs)
	}
	host := ""
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				host = n.IP.String()
			}
		}
	}
	remote := "192.0.2.77:2575" // nothing listens there: the refusal comes before connecting
	if host != "" {
		remote = mllpListenerOn(t, net.JoinHostPort(host, "0"), "AA", "")
	}
	code, _, errs := as("Dr Éloïse Durand", "export", "1", "--format", "hl7", "--post", remote)
	if code != exitUsage || !strings.Contains(errs, "hl7.mllp_remote") {
		t.Fatalf("hl7 to another machine by default: exit %d %q, want 2 naming the setting", code, errs)
	}
	for _, user := range []string{"Dr Éloïse Durand", "Léa"} {
		if code, _, errs := as(user, "settings", "set", "hl7.mllp_remote", "true"); code != exitUsage || !strings.Contains(errs, "admin") {
			t.Fatalf("%s sets hl7.mllp_remote: exit %d %q, want 2", user, code, errs)
		}
	}
	if code, _, errs := as("Root", "settings", "set", "hl7.mllp_remote", "maybe"); code != exitUsage {
		t.Fatalf("a bad value: exit %d %q", code, errs)
	}
	code, out, errs := as("Root", "settings", "set", "hl7.mllp_remote", "true")
	if code != 0 || !strings.Contains(out, "hl7.mllp_remote = true") || !strings.Contains(errs, "unencrypted") {
		t.Fatalf("admin sets hl7.mllp_remote: %d %q %q", code, out, errs)
	}
	if code, out, _ := as("Léa", "settings", "get", "hl7.mllp_remote"); code != 0 || strings.TrimSpace(out) != "true" {
		t.Fatalf("settings get: %d %q", code, out)
	}
	if code, _, _ := as("Léa", "settings", "get", "fhir.base_url"); code != exitNotFound {
		t.Fatalf("settings get of an unset key: exit %d, want 3", code)
	}
	if host == "" {
		t.Skip("this machine has no non-loopback address: the allowed remote export is not exercised")
	}
	code, out, errs = as("Dr Éloïse Durand", "export", "1", "--format", "hl7", "--post", remote)
	if code != 0 || !strings.Contains(out, "acknowledged AA") || !strings.Contains(errs, "MLLP is unencrypted") {
		t.Fatalf("allowed remote hl7: %d %q %q", code, out, errs)
	}
}
