-- Argo CD health of a ChaosPolicy. Runs in Argo CD's Lua (gopher-lua, Lua 5.1) with only the
-- base, table and package libraries and os.time/os.date: no string or math library.
local hs = {}
local spec = obj.spec or {}

-- The kill switch: every experiment waits and every running one is stopped and recovered.
if spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Chaos is suspended: no experiment runs while this policy is in force"
  return hs
end

-- The controller reads policies and writes no status for them today; should one say Ready=False
-- for the current generation, show it.
local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if status ~= nil and status.conditions ~= nil and (generation == nil or status.observedGeneration == generation) then
  for _, c in ipairs(status.conditions) do
    if c.type == "Ready" and c.status == "False" then
      hs.status = "Degraded"
      hs.message = (c.reason or "NotReady")
      if c.message ~= nil and c.message ~= "" then
        hs.message = hs.message .. ": " .. c.message
      end
      return hs
    end
  end
end

hs.status = "Healthy"
hs.message = "In force"
return hs
