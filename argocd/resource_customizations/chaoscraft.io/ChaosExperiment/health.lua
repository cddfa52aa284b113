-- Argo CD health of a ChaosExperiment. Runs in Argo CD's Lua (gopher-lua, Lua 5.1) with only the
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

local running = { WaitingForHypothesis = true, Injecting = true, Running = true, Recovering = true }

local hs = {}
local status = obj.status
local generation = obj.metadata and obj.metadata.generation

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = "Recovery not confirmed: " .. describe(stalled)
  return hs
end

local succeeded = condition(status, "Succeeded")
-- A run in progress goes on (and recovers) even when the spec changed under it.
if succeeded ~= nil and succeeded.status == "Unknown" and running[succeeded.reason] then
  hs.status = "Progressing"
  hs.message = describe(succeeded)
  return hs
end

-- The verdict in status belongs to the generation the controller observed; after a spec change it
-- is the old run's, not this spec's.
if generation ~= nil and (status == nil or status.observedGeneration ~= generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to run generation " .. generation
  return hs
end

if succeeded == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller"
  return hs
end

if succeeded.status == "True" then
  hs.status = "Healthy"
elseif succeeded.status == "False" then
  hs.status = "Degraded"
elseif succeeded.reason == "Suspended" then
  hs.status = "Suspended"
else
  hs.status = "Progressing"
end
hs.message = describe(succeeded)
return hs
