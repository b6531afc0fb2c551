/* The report workspace: rows added and deleted in the browser, live budget figures, photo
 * uploads with progress, and nothing lost: a guard before leaving with unsaved changes and a
 * draft kept in this browser until the server confirms the save. No inline scripts (CSP). */
(function () {
  "use strict";

  const form = document.getElementById("tab-form");
  if (!form) return;
  const editable = !form.querySelector("fieldset[disabled]");
  const draftKey = form.dataset.draftKey;
  const savedVersion = parseInt(form.dataset.savedVersion || "0", 10);
  const status = document.querySelector("[data-draft-status]");
  let dirty = form.hasAttribute("data-unsaved");

  const CHINESE_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

  function say(message) {
    if (status) status.textContent = message;
  }

  // -- rows -------------------------------------------------------------------------------

  function rowsContainer(prefix) {
    const table = document.querySelector('[data-formset="' + prefix + '"]');
    if (!table) return null;
    return table.hasAttribute("data-rows") ? table : table.querySelector("[data-rows]");
  }

  function totalInput(prefix) {
    return form.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
  }

  function renumber(prefix) {
    const container = rowsContainer(prefix);
    if (!container) return;
    container.querySelectorAll("[data-row]").forEach(function (row, index) {
      const cell = row.querySelector("[data-row-number]");
      if (!cell) return;
      cell.textContent =
        cell.dataset.rowNumberStyle === "chinese"
          ? CHINESE_NUMBERS[index] || String(index + 1)
          : String(index + 1);
    });
  }

  function addRow(prefix, index) {
    const template = document.querySelector('template[data-row-template="' + prefix + '"]');
    const container = rowsContainer(prefix);
    const total = totalInput(prefix);
    if (!template || !container || !total) return null;
    const next = index === undefined ? parseInt(total.value, 10) : index;
    const html = template.innerHTML.replace(/__prefix__/g, String(next));
    const holder = document.createElement(container.tagName === "TBODY" ? "tbody" : "div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    container.appendChild(row);
    total.value = String(Math.max(parseInt(total.value, 10), next + 1));
    renumber(prefix);
    wireUploaders(row);
    return row;
  }

  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    if (add && editable) {
      const prefix = add.dataset.addRow;
      const max = parseInt(add.dataset.maxRows || "0", 10);
      const container = rowsContainer(prefix);
      if (max && container && container.querySelectorAll("[data-row]").length >= max) {
        say(add.dataset.maxMessage || "已達上限，無法再新增。");
        announce(add.dataset.maxMessage || "已達上限，無法再新增。", true);
        return;
      }
      const row = addRow(prefix);
      if (row) {
        markDirty();
        const first = row.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
        announce("已新增第 " + container.querySelectorAll("[data-row]").length + " 列。");
      }
      return;
    }
    const remove = event.target.closest("[data-delete-row]");
    if (remove && editable) {
      const row = remove.closest("[data-row]");
      const table = remove.closest("[data-formset]");
      const prefix = table ? table.dataset.formset : null;
      const number = row.querySelector("[data-row-number]");
      const label = number ? number.textContent : "";
      const neighbour = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      if (prefix) renumber(prefix);
      markDirty();
      announce("已刪除第 " + label + " 列，按「存檔」後生效。");
      const focusTarget =
        (neighbour && neighbour.querySelector("[data-delete-row]")) ||
        document.querySelector('[data-add-row="' + prefix + '"]');
      if (focusTarget) focusTarget.focus();
    }
  });

  let liveRegion = null;
  function announce(message, assertive) {
    if (!liveRegion) {
      liveRegion = document.createElement("p");
      liveRegion.className = "visually-hidden";
      liveRegion.setAttribute("aria-live", "polite");
      document.body.appendChild(liveRegion);
    }
    liveRegion.setAttribute("aria-live", assertive ? "assertive" : "polite");
    liveRegion.textContent = message;
  }

  // -- the exchange matrix: ticking an item ticks its type ---------------------------------

  form.addEventListener("change", function (event) {
    const row = event.target.closest("[data-exchange-row]");
    if (row && event.target.type === "checkbox" && event.target.checked) {
      const typeBox = row.querySelector("th input[type=checkbox]");
      if (typeBox && event.target !== typeBox) typeBox.checked = true;
    }
  });

  // -- budget figures, live (the server recomputes them at every save) ---------------------

  function parseAmount(value) {
    const text = String(value || "").replace(/[,，\s]/g, "");
    return /^\d+$/.test(text) ? parseInt(text, 10) : null;
  }

  // spent / base × 100, two decimals, rounded half-up, in integer arithmetic.
  function rate(spent, base) {
    if (!base) return "";
    const hundredths = Math.floor((2 * spent * 10000 + base) / (2 * base));
    return Math.floor(hundredths / 100) + "." + String(hundredths % 100).padStart(2, "0") + "%";
  }

  function updateBudget() {
    const table = document.querySelector("[data-budget]");
    if (!table) return;
    const totalElement = document.querySelector("[data-approved-total]");
    const total = parseInt(totalElement ? totalElement.dataset.approvedTotal : "0", 10);
    let approvedSum = 0;
    let spentSum = 0;
    table.querySelectorAll("[data-rows] [data-row]").forEach(function (row) {
      const approved = parseAmount(row.querySelector('input[name$="-approved"]').value) || 0;
      const spent = parseAmount(row.querySelector('input[name$="-spent"]').value) || 0;
      approvedSum += approved;
      spentSum += spent;
      row.querySelector("[data-row-rate]").textContent = rate(spent, approved);
    });
    table.querySelector("[data-approved-sum]").textContent = String(approvedSum);
    table.querySelector("[data-spent-sum]").textContent = String(spentSum);
    table.querySelector("[data-overall-rate]").textContent = rate(spentSum, total) || "—";
    table.classList.toggle("budget--mismatch", approvedSum !== total);
  }

  form.addEventListener("input", function (event) {
    if (event.target.closest("[data-budget]")) updateBudget();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-delete-row]")) updateBudget();
  });

  // -- photo uploads with progress ----------------------------------------------------------

  function csrfToken() {
    const input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function wireUploaders(root) {
    root.querySelectorAll("[data-uploader]").forEach(function (uploader) {
      const fileInput = uploader.querySelector("[data-file]");
      if (!fileInput || fileInput.dataset.wired) return;
      fileInput.dataset.wired = "1";
      fileInput.disabled = !editable;
      fileInput.addEventListener("change", function () {
        if (fileInput.files.length) upload(uploader, fileInput.files[0]);
      });
    });
  }

  function upload(uploader, file) {
    const hidden = uploader.querySelector('input[type="hidden"]');
    const progress = uploader.querySelector("[data-progress]");
    const statusLine = uploader.querySelector("[data-status]");
    const preview = uploader.querySelector("[data-preview]");
    const card = uploader.closest("[data-row]");
    const consent = card ? card.querySelector('input[type="checkbox"][name$="-consent"]') : null;
    const caption = card ? card.querySelector('input[name$="-caption"]') : null;
    const data = new FormData();
    data.append("file", file);
    data.append("consent", consent && consent.checked ? "true" : "false");
    if (caption) data.append("caption", caption.value);
    const request = new XMLHttpRequest();
    request.open("POST", uploader.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    progress.hidden = false;
    progress.value = 0;
    statusLine.classList.remove("error-message");
    statusLine.textContent = "上傳中…";
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        progress.value = Math.round((event.loaded / event.total) * 100);
        statusLine.textContent = "上傳中… " + progress.value + "%";
      }
    });
    request.addEventListener("load", function () {
      progress.hidden = true;
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch (error) {
        body = {};
      }
      if (request.responseURL && request.responseURL.indexOf("/login/") !== -1) {
        statusLine.classList.add("error-message");
        statusLine.textContent = "登入已逾時，請另開視窗重新登入後再上傳；已輸入的內容仍保留在此頁。";
      } else if (request.status === 201) {
        hidden.value = String(body.id);
        preview.src = body.thumbnail;
        preview.alt = "已上傳的圖片";
        preview.hidden = false;
        statusLine.textContent = "上傳完成，請記得按「存檔」。";
        markDirty();
      } else {
        statusLine.classList.add("error-message");
        statusLine.textContent = body.error || "上傳失敗，請稍後再試。";
      }
    });
    request.addEventListener("error", function () {
      progress.hidden = true;
      statusLine.classList.add("error-message");
      statusLine.textContent = "網路連線中斷，上傳失敗，請再試一次。";
    });
    request.send(data);
  }

  // -- nothing lost: leave guard and a local draft ------------------------------------------

  function serialise() {
    const entries = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || typeof value !== "string") return;
      entries.push([name, value]);
    });
    return entries;
  }

  let draftTimer = null;
  function markDirty() {
    dirty = true;
    if (!draftKey) return;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(saveDraft, 400);
  }

  function saveDraft() {
    try {
      localStorage.setItem(
        draftKey,
        JSON.stringify({ version: savedVersion, at: new Date().toISOString(), entries: serialise() })
      );
      say("已在此瀏覽器暫存尚未存檔的內容。");
    } catch (error) {
      /* storage full or disabled: the leave guard still protects the user */
    }
  }

  function readDraft() {
    try {
      return JSON.parse(localStorage.getItem(draftKey) || "null");
    } catch (error) {
      return null;
    }
  }

  function restore(draft) {
    const byName = {};
    draft.entries.forEach(function (pair) {
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    });
    // Recreate the rows the draft had, with their indexes.
    document.querySelectorAll("[data-formset]").forEach(function (table) {
      const prefix = table.dataset.formset;
      const total = byName[prefix + "-TOTAL_FORMS"];
      if (!total) return;
      const container = rowsContainer(prefix);
      container.querySelectorAll("[data-row]").forEach(function (row) { row.remove(); });
      totalInput(prefix).value = "0";
      const indexes = new Set();
      Object.keys(byName).forEach(function (name) {
        const match = name.match(new RegExp("^" + prefix + "-(\\d+)-"));
        if (match) indexes.add(parseInt(match[1], 10));
      });
      Array.from(indexes).sort(function (a, b) { return a - b; }).forEach(function (index) {
        addRow(prefix, index);
      });
      totalInput(prefix).value = total[0];
    });
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || field.name === "csrfmiddlewaretoken" || field.type === "file") return;
      if (/-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/.test(field.name)) return;
      const values = byName[field.name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT" && field.multiple) {
        Array.from(field.options).forEach(function (option) {
          option.selected = values.indexOf(option.value) !== -1;
        });
      } else if (field.name !== "version") {
        field.value = values.length ? values[0] : "";
      }
    });
    // Restored thumbnails: the hidden image id is there; its preview comes back on save.
    updateBudget();
    dirty = true;
  }

  function offerDraft() {
    const draft = readDraft();
    if (!draft || !editable) return;
    if (draft.version < savedVersion) {
      localStorage.removeItem(draftKey); // the server has a newer save: the draft is stale
      return;
    }
    if (form.hasAttribute("data-unsaved")) return; // the server re-showed the user's input
    const current = JSON.stringify(serialise());
    if (JSON.stringify(draft.entries) === current) return;
    const banner = document.createElement("div");
    banner.className = "banner banner--draft";
    banner.setAttribute("role", "region");
    banner.setAttribute("aria-label", "尚未存檔的內容");
    const when = new Date(draft.at).toLocaleString("zh-TW", { hour12: false });
    banner.innerHTML =
      "<p>此瀏覽器保留了您在 <strong></strong> 尚未存檔的內容（例如登入逾時前輸入的資料）。</p>" +
      '<p><button type="button" class="button" data-restore>恢復未存檔的內容</button> ' +
      '<button type="button" class="button button--secondary" data-discard>捨棄</button></p>';
    banner.querySelector("strong").textContent = when;
    form.parentNode.insertBefore(banner, form);
    banner.querySelector("[data-restore]").addEventListener("click", function () {
      restore(draft);
      banner.remove();
      say("已恢復未存檔的內容，請確認後按「存檔」。");
      const first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
    banner.querySelector("[data-discard]").addEventListener("click", function () {
      localStorage.removeItem(draftKey);
      banner.remove();
    });
  }

  if (editable) {
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function () {
      saveDraft(); // kept until a newer saved version comes back from the server
      dirty = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return undefined;
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
  }

  document.querySelectorAll("[data-formset]").forEach(function (table) {
    renumber(table.dataset.formset);
  });
  wireUploaders(document);
  offerDraft();
  updateBudget();
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
