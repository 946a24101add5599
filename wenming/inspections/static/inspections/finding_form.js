// The phone finding form: optional GPS position and the point's 包保单位 shown as a hint.
// No inline script anywhere (CSP script-src 'self'); this file reads data-* attributes only.
(function () {
  "use strict";

  function setup() {
    var button = document.getElementById("wm-locate");
    if (button) {
      var lat = document.querySelector(button.dataset.lat);
      var lng = document.querySelector(button.dataset.lng);
      var status = document.querySelector(button.dataset.status);
      button.addEventListener("click", function () {
        if (!navigator.geolocation) {
          status.textContent = "此浏览器不支持定位，请填写位置描述";
          return;
        }
        status.textContent = "正在定位…";
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            lat.value = pos.coords.latitude.toFixed(6);
            lng.value = pos.coords.longitude.toFixed(6);
            status.textContent = "已定位：" + lat.value + ", " + lng.value +
              "（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
          },
          function (err) {
            status.textContent = "未能定位（" + (err.code === 1 ? "未获授权" : "信号不佳") + "），请填写位置描述";
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
    var select = document.querySelector("select[data-unit-target]");
    if (select) {
      var hint = document.querySelector(select.dataset.unitTarget);
      var show = function () {
        var unit = select.options[select.selectedIndex].dataset.unit;
        hint.textContent = unit ? "包保单位：" + unit + "（自动作为责任单位）" : "";
      };
      select.addEventListener("change", show);
      show();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
