package dixamock

// Tests of the business hours endpoints (api_hours.go).

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReferenceBusinessHours(t *testing.T) {
	h := shared().Handler()
	list := objectOf(t, h, "/v1/business-hours/schedules")
	require.Contains(t, list, "schedules", "data is an object holding the list")
	schedules := objects(t, list["schedules"])
	assert.GreaterOrEqual(t, len(schedules), 3)
	assert.LessOrEqual(t, len(schedules), 4)
	shape{required: []string{"name", "id"}, extra: []string{"isDefault"}}.
		check(t, "schedule", schedules, exampleItems(t, "business_hours_schedules.json", "data", "schedules"))
	assert.Equal(t, idSet(truthOfStream(t, h, "business_hours"), "id"), idSet(schedules, "id"))

	var defs, hours, exceptions, intervals []map[string]any
	for _, sc := range schedules {
		data := objectOf(t, h, "/v1/business-hours/schedules/"+sc["id"].(string)+"/definition")
		assert.Len(t, data, 1, "data holds only the schedule")
		def, ok := data["schedule"].(map[string]any)
		require.True(t, ok)
		assert.Equal(t, sc["id"], def["id"])
		assert.Equal(t, sc["name"], def["name"])
		defs = append(defs, def)
		for _, bh := range objects(t, def["businessHours"]) {
			hours = append(hours, bh)
			assert.Equal(t, "Regular", bh["businessHourType"])
			assert.Regexp(t, dateFormat, bh["startDate"])
			intervals = append(intervals, objects(t, bh["intervals"])...)
			if bh["status"] == "Closed" {
				assert.Empty(t, bh["intervals"])
			}
		}
		for _, x := range objects(t, def["exceptions"]) {
			exceptions = append(exceptions, x)
			assert.Contains(t, []string{"Holiday", "Exception"}, x["businessHourType"])
			assert.Regexp(t, dateFormat, x["startDate"])
			intervals = append(intervals, objects(t, x["intervals"])...)
		}
	}
	ex := exampleItems(t, "business_hours_schedules_scheduleId_definition.json", "data", "schedule")
	shape{[]string{"id", "name", "timezone"}, []string{"businessHours", "exceptions"}, []string{"updatedAt"}}.check(t, "definition", defs, ex)
	var exHours, exExceptions []map[string]any
	if ex != nil {
		exHours = objects(t, ex[0]["businessHours"])
		exExceptions = objects(t, ex[0]["exceptions"])
	}
	shape{required: []string{"name", "businessHourType", "status", "startDate"}, optional: []string{"dayOfWeek", "intervals"}}.
		check(t, "businessHours", hours, exHours)
	shape{required: []string{"name", "businessHourType", "status", "startDate"}, optional: []string{"intervals", "recurring", "nextDate"}}.
		check(t, "exceptions", exceptions, exExceptions)
	shape{required: []string{"startTime", "endTime"}}.check(t, "intervals", intervals, nil)
	for _, iv := range intervals {
		assert.Regexp(t, clockFormat, iv["startTime"])
		assert.Regexp(t, clockFormat, iv["endTime"])
		assert.Less(t, iv["startTime"], iv["endTime"])
	}
	assertNotFound(t, h, "/v1/business-hours/schedules/0b9b1c3e-1111-4222-8333-444455556666/definition")
	assertNotFound(t, h, "/v1/business-hours/schedules/"+schedules[0]["id"].(string))
}
