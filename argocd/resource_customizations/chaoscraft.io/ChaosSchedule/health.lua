-- Argo CD health of a ChaosSchedule. Runs in Argo CD's Lua (gopher-lua, Lua 5.1) with only the
-- base, table and package libraries and os.time/os.date: no string or math library.
local function condition(status, kind)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function describe(c)
  local text = c.reason or c.status or ""
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

local hs = {}
local spec = obj.spec or {}
local status = obj.status
local generation = obj.metadata and obj.metadata.generation
local active = 0
if status ~= nil and status.active ~= nil then
  active = #status.active
end

if spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "The schedule is suspended: no new runs"
  if active > 0 then
    hs.message = hs.message .. " (" .. active .. " still running)"
  end
  return hs
end

if status == nil or (generation ~= nil and status.observedGeneration ~= generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe the schedule"
  return hs
end

local ready = condition(status, "Ready")
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

-- The controller writes both times as ISO 8601 UTC with milliseconds, so they compare as strings.
-- The last run created fired at lastScheduleTime; once it is no longer active, a success at or
-- after that time is its own.
local last = status.lastScheduleTime
local success = status.lastSuccessfulTime
if active == 0 and last ~= nil and (success == nil or success < last) then
  hs.status = "Degraded"
  hs.message = "The last run (due at " .. last .. ") did not succeed"
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller"
  return hs
end

hs.status = "Healthy"
if active > 0 then
  hs.message = "Running " .. status.active[active].name
elseif status.nextScheduleTime ~= nil then
  hs.message = "Next run at " .. status.nextScheduleTime
else
  hs.message = describe(ready)
end
local waiting = condition(status, "RunWaiting")
if waiting ~= nil and waiting.status == "True" then
  hs.message = hs.message .. "; a due run waits: " .. describe(waiting)
end
return hs
