// The forms of the web UI: show only the themes of the areas ticked (a theme fits an area
// ticked, the parent of one, or a sub-area of one, as the library checks), and untick a
// theme whose area is no longer ticked. Without script every theme shows, and the
// library refuses one that does not fit, beside the field.
const form = document.querySelector("form.library-form");
const groups = form ? [...form.querySelectorAll(".theme-group")] : [];
if (groups.length) {
  const areas = [...form.querySelectorAll("input[name=areas]")];
  const none = form.querySelector(".themes-none");
  const show = (changed) => {
    const ticked = areas.filter((box) => box.checked);
    const values = new Set(ticked.map((box) => box.value));
    const parents = new Set(ticked.map((box) => box.dataset.parent).filter(Boolean));
    let shown = 0;
    for (const group of groups) {
      const fits = values.has(group.dataset.area) || parents.has(group.dataset.area)
        || values.has(group.dataset.parent);
      group.hidden = !fits;
      if (!fits && changed) group.querySelectorAll("input").forEach((box) => { box.checked = false; });
      shown += fits;
    }
    if (none) none.hidden = shown > 0;
  };
  areas.forEach((box) => box.addEventListener("change", () => show(true)));
  show(false);
}
