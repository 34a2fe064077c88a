package config_test

import (
	"fmt"

	"github.com/tap-dixa/tap-dixa/tap/config"
)

func ExampleParse() {
	cfg, warnings, err := config.Parse("config.json", []byte(`{
		"api_token": "abc123",
		"start_date": "2021-08-01",
		"interval": "DAY",
		"window_days": 2,
		"colour": "blue"
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.StartDate, cfg.Window, cfg.PageSize, cfg.ExportsBaseURL)
	fmt.Println(warnings)

	_, _, err = config.Parse("config.json", []byte(`{"api_token": "abc123", "start_date": "2021-08-01", "window_days": 40}`))
	fmt.Println(err)
	// Output:
	// 2021-08-01 00:00:00 +0000 UTC 48h0m0s 10000 https://exports.dixa.io
	// [config config.json: unknown key "colour" ignored]
	// config config.json: window_days: must be between 1 and 31, got 40
}
