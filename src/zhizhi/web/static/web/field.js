// The grid worker's phone form: GPS location and photo previews.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("field-form");
    if (!form) return;
    var btn = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-loc-status]");
    var lonIn = form.querySelector("input[name=lon]"), latIn = form.querySelector("input[name=lat]");
    if (btn && navigator.geolocation) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        status.textContent = "正在定位……";
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lon = pos.coords.longitude, lat = pos.coords.latitude;
          var label = "已定位（±" + Math.round(pos.coords.accuracy) + " 米）";
          if (window.zzPickMap) window.zzPickMap.setPoint(lon, lat, label);
          else { lonIn.value = lon.toFixed(6); latIn.value = lat.toFixed(6); status.textContent = label + "：" + lon.toFixed(5) + ", " + lat.toFixed(5); }
        }, function (err) {
          status.textContent = "定位失败（" + (err.code === 1 ? "未允许定位" : "信号不佳") + "），请在地图上点选或选择所属区域";
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    var input = form.querySelector("input[type=file][name=photos]");
    var preview = form.querySelector("[data-photo-preview]");
    if (input && preview && window.URL) {
      input.addEventListener("change", function () {
        preview.innerHTML = "";
        Array.prototype.slice.call(input.files, 0, 6).forEach(function (f) {
          var img = document.createElement("img");
          img.alt = f.name; img.src = URL.createObjectURL(f);
          preview.appendChild(img);
        });
      });
    }
  });
})();
