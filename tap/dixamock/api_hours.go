package dixamock

// The business hours of the Dixa API's reference endpoints (see
// api_reference.go).

import (
	"strings"
	"time"
)

// The names the business hours are drawn from.
var (
	scheduleNames = []string{"Standard – København", "東京オフィス", "24/7 Hotline", "Sommer <2024>", "Weekend & holidays"}
	timezones     = []string{"Europe/Copenhagen", "Asia/Tokyo", "UTC", "America/New_York", "Europe/Stockholm"}
	weekdayNames  = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

// businessHours draws 3 or 4 schedules and returns the body of the list
// and the body of each schedule's definition, by id.
func (g *refGen) businessHours() ([]byte, map[string][]byte) {
	rng := g.rng
	start := time.UnixMilli(g.startMs).UTC().Truncate(24 * time.Hour)
	iso := (int(start.Weekday())+6)%7 + 1 // 1 = Monday
	date := func(t time.Time) string { return t.Format(time.DateOnly) }
	interval := func(a, b string) obj { return obj{{"startTime", a}, {"endTime", b}} }
	// nextOn returns the first date on or after start with this month and day.
	nextOn := func(month, day int) time.Time {
		t := time.Date(start.Year(), time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if t.Before(start) {
			t = t.AddDate(1, 0, 0)
		}
		return t
	}
	var list []any
	defs := map[string][]byte{}
	for i, name := range pickDistinct(rng, scheduleNames, 3+rng.IntN(2)) {
		id := uuid(rng)
		item := obj{{"name", name}, {"id", id}}
		if i == 0 {
			item = append(item, kv{"isDefault", true}) // not in Dixa's docs
		}
		list = append(list, item)
		allDay := strings.Contains(name, "24/7")
		var hours []any
		for day := 1; day <= 7; day++ {
			if !allDay && day >= 6 && chance(rng, 0.4) {
				continue // weekend days may be left out
			}
			status, ivs := "Open", []any{}
			switch {
			case allDay:
				ivs = append(ivs, interval("00:00", "23:59"))
			case day >= 6 && chance(rng, 0.6):
				status = "Closed"
			case chance(rng, 0.3):
				ivs = append(ivs, interval("08:00", "12:00"), interval("12:30", "16:30"))
			default:
				ivs = append(ivs, interval(pick(rng, []string{"07:30", "08:00", "09:00"}), pick(rng, []string{"15:30", "16:00", "17:00", "18:00"})))
			}
			hours = append(hours, obj{
				{"name", weekdayNames[day-1]}, {"dayOfWeek", day}, {"businessHourType", "Regular"}, {"status", status},
				{"intervals", ivs}, {"startDate", date(start.AddDate(0, 0, (day-iso+7)%7))},
			})
		}
		exceptions := []any{}
		for _, h := range pickDistinct(rng, []struct {
			name         string
			month, day   int
			open         bool
			holidayOfKey string
		}{
			{"New Year", 1, 1, false, ""}, {"Juleaften 🎄", 12, 24, true, ""}, {"Grundlovsdag", 6, 5, false, ""},
			{"天皇誕生日", 2, 23, false, ""}, {"2. påskedag", 0, 0, false, "EasterMonday"},
		}, 1+rng.IntN(3)) {
			status, ivs := "Closed", []any{}
			if h.open {
				status, ivs = "Open", append(ivs, interval("09:00", "12:00"))
			}
			var o obj
			if h.holidayOfKey != "" {
				o = obj{{"name", h.name}, {"businessHourType", "Holiday"}, {"status", status}, {"intervals", ivs},
					{"recurring", obj{{"holiday", h.holidayOfKey}}}, {"startDate", date(start)}}
			} else {
				next := nextOn(h.month, h.day)
				o = obj{{"name", h.name}, {"businessHourType", "Holiday"}, {"status", status}, {"intervals", ivs},
					{"recurring", obj{{"dayOfMonth", h.day}, {"monthOfYear", h.month}}}, {"startDate", date(time.Date(start.Year()-1, next.Month(), next.Day(), 0, 0, 0, 0, time.UTC))}}
				o = optKV(rng, o, 0.5, "nextDate", date(next))
			}
			exceptions = append(exceptions, o)
		}
		if chance(rng, 0.5) {
			exceptions = append(exceptions, obj{{"name", "Company summit <all hands>"}, {"businessHourType", "Exception"}, {"status", "Open"},
				{"intervals", []any{interval("10:00", "14:00")}}, {"startDate", date(start.AddDate(0, 0, 10+rng.IntN(60)))}})
		}
		def := obj{{"id", id}, {"name", name}, {"timezone", pick(rng, timezones)}, {"businessHours", hours}, {"exceptions", exceptions}}
		if i == 1 || chance(rng, 0.3) {
			def = append(def, kv{"updatedAt", plainTime(g.startMs - rng.Int64N(90*dayMs))}) // not in Dixa's docs
		}
		defs[id] = objBody(obj{{"schedule", def}})
	}
	return objBody(obj{{"schedules", list}}), defs
}
